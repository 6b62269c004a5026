"""A stdio server for the configuration tests: its tool reports its cwd and one variable."""

from __future__ import annotations

import os

from mcplite import Server

server = Server("config-test")


@server.tool()
def where() -> str:
    return f"{os.getcwd()}|{os.environ.get('MCPLITE_CONFIG_TEST', '-')}"


if __name__ == "__main__":
    server.run()
