"""Generated once with openssl (2048-bit RSA, P-256/384/521 keys), public parts only."""

from __future__ import annotations

from typing import Any

RSA_JWK: dict[str, Any] = {
    "kty": "RSA",
    "kid": "rsa1",
    "n": (
        "wsSLZ_Na8-BnnOCeFJv0mhfVOP7niHbqAJbMFc6ycq54E0dsCPICxq-PhJBtuFC2cFhY9KBWhHDWCEb-"
        "JAk1ICaOM48TnHBQuQnPBBFKYp2iPWHfsnSSpIqxqjJ9AfDCYulqTp_-LiMZ6wG17sRAJMJUcKX0UQHt"
        "AdrCHh5Eh7k-kQTD_7SdfT_zw45tbCcRbqgRnoOepDpZyUZremwsU2C2Uj_aVuQlSh6RhHQw5bQX7uiM"
        "FHhznEYPirFyvoN7twWYyQzIvuUPzW_aUFkyKj-St2gTWI5YbHsYYuLxZijYbcN4yfFyOR6e-ogHAKPB"
        "g-Fld4YXYoWEtj3ov0pMsQ"
    ),
    "e": "AQAB",
}
ES256_JWK: dict[str, Any] = {
    "kty": "EC",
    "kid": "P-256",
    "crv": "P-256",
    "x": "m4eAjeMd_La6WB7q_dnX1qG3_Af8GdPAMswQ-uULIZU",
    "y": "4TNL-FNbsPn8JSexXdLLfM0JPakgLtZvcpmVbjIRtgs",
}
ES384_JWK: dict[str, Any] = {
    "kty": "EC",
    "kid": "P-384",
    "crv": "P-384",
    "x": "dE7c1oLKEwXpq8NRuce1yLvm8zRzSXFsyONhU9e0MyagJb4VRnV8yIXiO9Qut88J",
    "y": "eXS95MSCoAITpTx_zQk_yFJnbedjZjDbcHQQ586oEf0J76M-o9PEVX7ctU6Xo_1F",
}
ES512_JWK: dict[str, Any] = {
    "kty": "EC",
    "kid": "P-521",
    "crv": "P-521",
    "x": (
        "ADjZYa9Z0TjSmXg_oFSaFZH3Z2Rmh5hEC3ej0sIKjfGBLwjrWhdaOA-FouSF7da1Y4qhBN9GJGmWq4IsgeRYs8He"
    ),
    "y": (
        "AI8fBnxE5iMQGVWeFSAEg8ZbNjH-NsRWnYcO1zOhw5_Etle_e6zSBnj1LFZgDjKZ02pGY8R-9LTqGVtVZkN2B9hA"
    ),
}
TOKENS: dict[str, str] = {
    "RS256": (
        "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.iN46oOqZxU7Eln9tEIOUSjj9UcnXU4wVYRUOnpEs8ER-7QiknRWeuoltugSGfufY-Muk"
        "WjdEQG0lvLVyQvUhqWEmkN1SveqC5a_mGGWYpegqPZRVDyx4LTa3L6EQDVwg7X_uCsPl51HCeeWgwBQEKciOUwvW"
        "4i0Ae_Yon_YcV3gp0KOb8O2fBcJMNVbdCZHKREna0WW8_f0doV8gA6RI_XnSLSZNuEDtXr1C93Da10HOQ398ojCE"
        "nLkNO9RatZh2RVNnaUcrfByTuVzM58xQGdelQs2zWKQ4FsJK-U_yXtW1cGgj-74b-794-iGbIB_ZF5wdIgpNky-L"
        "u0jDU7ABpQ"
    ),
    "RS384": (
        "eyJhbGciOiJSUzM4NCIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.J2pKKoawaZpnqyYSzTefo0ktZHNtARO8mx_IPWg1uESV4j2SC8r6UfMIk5pj4RcBT1Ef"
        "1EVjdaeSsDigZKFHLjuAna8VSYY587-aRlsbgtuZByAC6wNOV_9yuWWrli7GCJZdESJVvfC9cpv4M2rW1WYpmB5H"
        "qj2bXxl4lTg5SXIi2OHjP0oC6SNVlAnmCdSmG8sLA8dEdf9iWFud2EFyBwppc3-uN91gUB3K1SM9B5m4L-y6QWvI"
        "PC_xFKH3FodzgyDyWp_9_tOoECQSqi-AX5ZKzEF1Q5xuTThzvjgofodvd5VnvPnuq33DZ_nxCl_Wl69woJVi3jnY"
        "VtGX8mvEeQ"
    ),
    "RS512": (
        "eyJhbGciOiJSUzUxMiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.QCBzX43fgbphcyMHlfBtJWFua80OWn81ZLp5I9k_UCNzGGggAEEdPe4G1WilHhP09f9S"
        "heNIf2Tvi0fvvm1pHyEggU-C-mkTrmhonSJ8UO8NZDbfEbn4GVhnCy0qNl92BpQgJCV5I-OTxuWg4r_Idd_JP09f"
        "iyeABK9RYdGLd1FVx1tO_-B1lIaaUW3nONdx6sgEqFUE2pBy3LjOHIGEoHxbkx6d5cN94N01ml-bwkKc2tAi-0zZ"
        "h-mo2zuEIllMBh-eYSWTR3DL2Z2ItrOaG37YeJhNY3Uj1h9JFtlVR_yB7K7NTcH96JzIVNg_fMXTrPLRG0w7riL1"
        "q86FfMFG8g"
    ),
    "PS256": (
        "eyJhbGciOiJQUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.L7A1vgoNWtf71Lqva1A3iTp5U6gJvVx-n7rFE8pz17XnvgZ_ls14TionfRdtMMHfv4A4"
        "e6sFFkNzwlCwnI36B9_JGMFdWDSBZwfIb7EtgXOXD4raJS06QPPiESl5htkGZKxzsjkZFYwSdP0u3IoFQZ64p-cP"
        "z_j-NSuOD_Bnocu8R4zWb9WrLFwgKO0zH_yhHA5LbpkqxB57cHdvxDevyVbNAIQix_oedl7rzXVEthjlsvh4VlEP"
        "XuPNUYi5pRoCl14iQOz6yuJwEiOmHuju8jvbMkwXwZGCeLS9oNlx8t_NjvcDDWgYiRvkoEs5dkmx-JAXr3O9I6es"
        "rbNByJMMiQ"
    ),
    "PS384": (
        "eyJhbGciOiJQUzM4NCIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.AzguwKXi-MHm8paG-zB_P7QHWFHtZLO7S25gtG5tyt1h7S4nGJtxS5e2Vz0t1kPIR5IT"
        "aPBGLdfRpQRuzjP5Fy3gRf01a89fq5UdMbbMx1EZQfv7NWOrgu5C_rIoGe7ESZUyc8pkQw-UXcqEk4LhuLd-zzOK"
        "21DJLIO7yMzuOxVC6v4o08YmiR7uOH6JjKgOeOT4fj6-qpAz00beREwQ_4HlemFybw1f41sKcBY0iwiMUjtx5GGU"
        "9c6xD4tciqY26M9TFUd1rUWr4Az0VUq6n-dv_pDiOOtYxGotvmNTGJB65fu-B5aE7UX5RwfmQDdl-RfGTw_lEPP4"
        "IOZyBfD27g"
    ),
    "PS512": (
        "eyJhbGciOiJQUzUxMiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2FzLmV4Y"
        "W1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoiY"
        "zEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzN"
        "jAwLCJqdGkiOiJqMSJ9.j0F7DHQX7Fq1pfFF9KTy2yiy0DdkQztWzrcDFRSbJIxZ8IWPbpG2W7AXftUqEk0Ctlup"
        "OHOo5f0jjtgKblSXVEsq7zNqlTKeXIBqkygPpHVJcWqCIZwLrJc8nh7mcLkfR_J4DL5mXSp5W1dlynF0nU2bKai7"
        "bSoQN8kgeFeXk7V-952jX59LhOGAQPWEDW0b1hiSEJpZQ6PM2tP9uMBK8Uq6Ym_LUKB4TQ2YDo4bRad-sc8e_kt2"
        "X8c_dHPCjwpNS32bMs0tNvcAN8Hd5H6phOSNmLYV92AIzC_buzxuW1n5iT5bMIke-SvaIdSwdGGDH34OgdFHP8Tf"
        "sZWlD_HSng"
    ),
    "ES256": (
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6IlAtMjU2In0.eyJpc3MiOiJodHRwczovL2FzLmV4"
        "YW1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoi"
        "YzEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAz"
        "NjAwLCJqdGkiOiJqMSJ9.xQer4jrkcdlUWVYHV7E4bXB2ugDI9yEwEJJ_ACwVb88uCvT7gZu09fWrtsM_Q9ChIqQ"
        "1Lchieb--OTn0zVCmrw"
    ),
    "ES384": (
        "eyJhbGciOiJFUzM4NCIsInR5cCI6ImF0K2p3dCIsImtpZCI6IlAtMzg0In0.eyJpc3MiOiJodHRwczovL2FzLmV4"
        "YW1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoi"
        "YzEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAz"
        "NjAwLCJqdGkiOiJqMSJ9.fMTW5bSuBs1WYvWxT02XpJ7NvUDRiKPTm5B_mNwRmMl7ViderpKD1IpEtDYg7L1zcKG"
        "kgYmiJdgxWL1sSQT_ePBuZtSklOx5WTHwsa5s3k8u81j6_drJ2bFnTbKJxUnl"
    ),
    "ES512": (
        "eyJhbGciOiJFUzUxMiIsInR5cCI6ImF0K2p3dCIsImtpZCI6IlAtNTIxIn0.eyJpc3MiOiJodHRwczovL2FzLmV4"
        "YW1wbGUiLCJhdWQiOiJodHRwczovL21jcC5leGFtcGxlL21jcCIsInN1YiI6ImFsaWNlIiwiY2xpZW50X2lkIjoi"
        "YzEiLCJzY29wZSI6InRvb2xzOnJlYWQgdG9vbHM6Y2FsbCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAz"
        "NjAwLCJqdGkiOiJqMSJ9.Acw6K24wvBse78u9ekrVfz7e3MiQaApQs3CJxYQU07qxp8DXWC1oQvssy1aN8WeyiyU"
        "GJjyjVO8Gz3tlfkMERsgwAS7wOtyu3I4lZ8hzeJeAWYLyMVZWaHwPHClD7hMM3o5AkHWoQXCafE3XaAlmWzQbw9U"
        "gKQ4MnHGikoSLD2i31j2T"
    ),
}
