"""Tests for mcplite._core.uritemplate: RFC 6570 expansion (the RFC's own examples) and matching."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from mcplite._core.uritemplate import (
    DEFAULT_MAX_TEMPLATE_CHARS,
    DEFAULT_MAX_URI_CHARS,
    DEFAULT_MAX_VARIABLES,
    URITemplate,
)

from ._uritemplate_expand import expand

# RFC 6570 §3.2 example variables (dict order fixes the order of "keys").
RFC_VARIABLES: dict[str, Any] = {
    "count": ["one", "two", "three"],
    "dom": ["example", "com"],
    "dub": "me/too",
    "hello": "Hello World!",
    "half": "50%",
    "var": "value",
    "who": "fred",
    "base": "http://example.com/home/",
    "path": "/foo/bar",
    "list": ["red", "green", "blue"],
    "keys": {"semi": ";", "dot": ".", "comma": ","},
    "v": "6",
    "x": "1024",
    "y": "768",
    "empty": "",
    "empty_keys": {},
    "undef": None,
}

# RFC 6570 §3.2.1-§3.2.9, every example.
RFC_EXAMPLES = [
    # 3.2.1 Variable Expansion
    ("{count}", "one,two,three"),
    ("{count*}", "one,two,three"),
    ("{/count}", "/one,two,three"),
    ("{/count*}", "/one/two/three"),
    ("{;count}", ";count=one,two,three"),
    ("{;count*}", ";count=one;count=two;count=three"),
    ("{?count}", "?count=one,two,three"),
    ("{?count*}", "?count=one&count=two&count=three"),
    ("{&count*}", "&count=one&count=two&count=three"),
    # 3.2.2 Simple String Expansion
    ("{var}", "value"),
    ("{hello}", "Hello%20World%21"),
    ("{half}", "50%25"),
    ("O{empty}X", "OX"),
    ("O{undef}X", "OX"),
    ("{x,y}", "1024,768"),
    ("{x,hello,y}", "1024,Hello%20World%21,768"),
    ("?{x,empty}", "?1024,"),
    ("?{x,undef}", "?1024"),
    ("?{undef,y}", "?768"),
    ("{var:3}", "val"),
    ("{var:30}", "value"),
    ("{list}", "red,green,blue"),
    ("{list*}", "red,green,blue"),
    ("{keys}", "semi,%3B,dot,.,comma,%2C"),
    ("{keys*}", "semi=%3B,dot=.,comma=%2C"),
    # 3.2.3 Reserved Expansion
    ("{+var}", "value"),
    ("{+hello}", "Hello%20World!"),
    ("{+half}", "50%25"),
    ("{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"),
    ("{+base}index", "http://example.com/home/index"),
    ("O{+empty}X", "OX"),
    ("O{+undef}X", "OX"),
    ("{+path}/here", "/foo/bar/here"),
    ("{+path:6}/here", "/foo/b/here"),
    ("here?ref={+path}", "here?ref=/foo/bar"),
    ("up{+path}{var}/here", "up/foo/barvalue/here"),
    ("{+x,hello,y}", "1024,Hello%20World!,768"),
    ("{+path,x}/here", "/foo/bar,1024/here"),
    ("{+list}", "red,green,blue"),
    ("{+list*}", "red,green,blue"),
    ("{+keys}", "semi,;,dot,.,comma,,"),
    ("{+keys*}", "semi=;,dot=.,comma=,"),
    # 3.2.4 Fragment Expansion
    ("{#var}", "#value"),
    ("{#hello}", "#Hello%20World!"),
    ("{#half}", "#50%25"),
    ("foo{#empty}", "foo#"),
    ("foo{#undef}", "foo"),
    ("{#x,hello,y}", "#1024,Hello%20World!,768"),
    ("{#path,x}/here", "#/foo/bar,1024/here"),
    ("{#path:6}/here", "#/foo/b/here"),
    ("{#list}", "#red,green,blue"),
    ("{#list*}", "#red,green,blue"),
    ("{#keys}", "#semi,;,dot,.,comma,,"),
    ("{#keys*}", "#semi=;,dot=.,comma=,"),
    # 3.2.5 Label Expansion with Dot-Prefix
    ("{.who}", ".fred"),
    ("{.who,who}", ".fred.fred"),
    ("{.half,who}", ".50%25.fred"),
    ("www{.dom*}", "www.example.com"),
    ("X{.var}", "X.value"),
    ("X{.var:3}", "X.val"),
    ("X{.empty}", "X."),
    ("X{.undef}", "X"),
    ("X{.list}", "X.red,green,blue"),
    ("X{.list*}", "X.red.green.blue"),
    ("X{.keys}", "X.semi,%3B,dot,.,comma,%2C"),
    ("X{.keys*}", "X.semi=%3B.dot=..comma=%2C"),
    ("X{.empty_keys}", "X"),
    ("X{.empty_keys*}", "X"),
    # 3.2.6 Path Segment Expansion
    ("{/who}", "/fred"),
    ("{/who,who}", "/fred/fred"),
    ("{/half,who}", "/50%25/fred"),
    ("{/who,dub}", "/fred/me%2Ftoo"),
    ("{/var}", "/value"),
    ("{/var,empty}", "/value/"),
    ("{/var,undef}", "/value"),
    ("{/var,x}/here", "/value/1024/here"),
    ("{/var:1,var}", "/v/value"),
    ("{/list}", "/red,green,blue"),
    ("{/list*}", "/red/green/blue"),
    ("{/list*,path:4}", "/red/green/blue/%2Ffoo"),
    ("{/keys}", "/semi,%3B,dot,.,comma,%2C"),
    ("{/keys*}", "/semi=%3B/dot=./comma=%2C"),
    # 3.2.7 Path-Style Parameter Expansion
    ("{;who}", ";who=fred"),
    ("{;half}", ";half=50%25"),
    ("{;empty}", ";empty"),
    ("{;hello:5}", ";hello=Hello"),
    ("{;v,empty,who}", ";v=6;empty;who=fred"),
    ("{;v,bar,who}", ";v=6;who=fred"),
    ("{;x,y}", ";x=1024;y=768"),
    ("{;x,y,empty}", ";x=1024;y=768;empty"),
    ("{;x,y,undef}", ";x=1024;y=768"),
    ("{;list}", ";list=red,green,blue"),
    ("{;list*}", ";list=red;list=green;list=blue"),
    ("{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"),
    ("{;keys*}", ";semi=%3B;dot=.;comma=%2C"),
    # 3.2.8 Form-Style Query Expansion
    ("{?who}", "?who=fred"),
    ("{?half}", "?half=50%25"),
    ("{?x,y}", "?x=1024&y=768"),
    ("{?x,y,empty}", "?x=1024&y=768&empty="),
    ("{?x,y,undef}", "?x=1024&y=768"),
    ("{?var:3}", "?var=val"),
    ("{?list}", "?list=red,green,blue"),
    ("{?list*}", "?list=red&list=green&list=blue"),
    ("{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"),
    ("{?keys*}", "?semi=%3B&dot=.&comma=%2C"),
    # 3.2.9 Form-Style Query Continuation
    ("{&who}", "&who=fred"),
    ("{&half}", "&half=50%25"),
    ("?fixed=yes{&x}", "?fixed=yes&x=1024"),
    ("{&var:3}", "&var=val"),
    ("{&x,y,empty}", "&x=1024&y=768&empty="),
    ("{&x,y,undef}", "&x=1024&y=768"),
    ("{&list}", "&list=red,green,blue"),
    ("{&list*}", "&list=red&list=green&list=blue"),
    ("{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"),
    ("{&keys*}", "&semi=%3B&dot=.&comma=%2C"),
]


@pytest.mark.parametrize(("template", "expected"), RFC_EXAMPLES)
def test_rfc6570_examples(template: str, expected: str) -> None:
    assert expand(URITemplate(template), RFC_VARIABLES) == expected


def test_expand_extras() -> None:
    # Numbers are stringified; literals that cannot appear in a URI are pct-encoded (§3.1).
    assert expand(URITemplate("page {n}"), {"n": 3}) == "page%203"
    assert expand(URITemplate("{x}"), {"x": 1.5}) == "1.5"
    # Existing pct-triplets survive reserved expansion; a bare % does not (§3.2.3).
    assert expand(URITemplate("{+p}"), {"p": "a%20b%zz"}) == "a%20b%25zz"
    assert expand(URITemplate("{?list*}"), {"list": []}) == ""
    assert expand(URITemplate("{;list*}"), {"list": ["a", ""]}) == ";list=a;list"
    assert expand(URITemplate("{;keys*}"), {"keys": {"a": ""}}) == ";a"
    assert expand(URITemplate("{?keys*}"), {"keys": {"a": ""}}) == "?a="
    assert expand(URITemplate("{keys*}"), {"keys": {"a": ""}}) == "a="
    assert expand(URITemplate("{ä}".replace("ä", "%C3%A4")), {"%C3%A4": "x"}) == "x"
    assert expand(URITemplate("{a.b}"), {"a.b": "é"}) == "%C3%A9"


def test_template_object() -> None:
    t = URITemplate("file:///{+path}{?a,b}{&a}")
    assert t.variables == ["path", "a", "b"]
    assert str(t) == "file:///{+path}{?a,b}{&a}"
    assert repr(t) == "URITemplate('file:///{+path}{?a,b}{&a}')"
    assert t == URITemplate("file:///{+path}{?a,b}{&a}")
    assert t != URITemplate("file:///{path}")
    assert t != "file:///{+path}{?a,b}{&a}"
    assert hash(t) == hash(URITemplate(t.template))
    assert URITemplate("plain://uri").variables == []


# -- bad templates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("a{b", "unclosed '{' at position 1"),
        ("a}b", "unmatched '}' at position 1"),
        ("{a}}", "unmatched '}' at position 3"),
        ("{a{b}", "expression at position 0: unclosed '{' (nested '{' at 2)"),
        ("x{}", "expression at position 1: invalid variable name ''"),
        ("{+}", "invalid variable name ''"),
        ("{a,}", "invalid variable name ''"),
        ("{a b}", "invalid variable name 'a b'"),
        ("{a..b}", "invalid variable name 'a..b'"),
        ("{%zz}", "invalid variable name '%zz'"),
        ("{=a}", "operator '=' is reserved"),
        ("{|a}", "operator '|' is reserved"),
        ("{a:0}", "prefix of 'a' must be 1..9999, got '0'"),
        ("{a:10000}", "prefix of 'a' must be 1..9999, got '10000'"),
        ("{a:x}", "prefix of 'a' must be 1..9999, got 'x'"),
        ("{a:3*}", "invalid variable name 'a:3'"),
    ],
)
def test_bad_templates(template: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        URITemplate(template)
    assert message in str(info.value)
    assert repr(template) in str(info.value)


def test_limits() -> None:
    assert DEFAULT_MAX_TEMPLATE_CHARS == 8192
    assert DEFAULT_MAX_VARIABLES == 256
    with pytest.raises(ValueError, match="is 11 characters, more than the limit of 10"):
        URITemplate("x" * 11, max_template_chars=10)
    with pytest.raises(ValueError, match="more than 2 variables"):
        URITemplate("{a}{b,c}", max_variables=2)
    t = URITemplate("x/{a}", max_uri_chars=5)
    assert t.match("x/abc") == {"a": "abc"}
    assert t.match("x/abcd") is None
    assert URITemplate("{a}").max_uri_chars == DEFAULT_MAX_URI_CHARS


def test_unmatchable_templates() -> None:
    t = URITemplate("{+a}/{+b}")  # fine for expansion
    assert expand(t, {"a": "x/y", "b": "z"}) == "x/y/z"
    with pytest.raises(ValueError, match="positions 0 and 5 both span several segments"):
        t.match("x/y/z")
    with pytest.raises(ValueError, match="cannot be matched"):
        URITemplate("{/a*}{#b}", matchable=True)
    assert URITemplate("{+a}{?b*}", matchable=True).match("x?b=1") == {"a": "x", "b": ["1"]}


# -- matching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "uri", "expected"),
    [
        ("notes://{name}", "notes://hello", {"name": "hello"}),
        ("notes://{name}", "notes://a%2Fb%20c", {"name": "a/b c"}),
        ("notes://{name}", "notes://a,b", {"name": "a,b"}),
        ("notes://{name}", "notes://a/b", None),
        ("notes://{name}", "notes://", None),
        ("notes://{name}", "other://x", None),
        ("users://{id}/posts/{post}", "users://7/posts/9", {"id": "7", "post": "9"}),
        ("file:///{+path}", "file:///a/b/c.txt", {"path": "a/b/c.txt"}),
        ("file:///{+path}", "file:///a?b#c", {"path": "a?b#c"}),
        ("{+path}/here", "/foo/bar/here", {"path": "/foo/bar"}),
        ("{+x,y}", "a/b,c", {"x": "a/b", "y": "c"}),
        ("{x,y}", "1024,768", {"x": "1024", "y": "768"}),
        ("{x,y}", "1024", {"x": "1024"}),
        ("/x{/segs*}/end", "/x/a/b%20c/end", {"segs": ["a", "b c"]}),
        ("/x{/segs*}", "/x", {}),
        ("/files{/dir,name}", "/files/a/b", {"dir": "a", "name": "b"}),
        ("/files{/dir,name}", "/files/a", {"dir": "a"}),
        ("www{.dom*}", "www.example.com", {"dom": ["example", "com"]}),
        ("X{.var}", "X.value", {"var": "value"}),
        ("{list*}", "red,green", {"list": ["red", "green"]}),
        ("{;x,y,empty}", ";x=1024;y=768;empty", {"x": "1024", "y": "768", "empty": ""}),
        ("{;list*}", ";list=red;list=green", {"list": ["red", "green"]}),
        ("/p{;list}", "/p;list=red,green", {"list": "red,green"}),
        ("doc{#frag}", "doc#sec%201", {"frag": "sec 1"}),
        ("doc{#frag}", "doc", {}),
        ("doc{#a,b}", "doc#x,y", {"a": "x", "b": "y"}),
        ("doc{#list*}", "doc#x,y", {"list": ["x", "y"]}),
        ("{var:3}", "val", {"var": "val"}),
        # trailing query expressions: any order, optional, extras ignored, fragment dropped
        ("/search{?q,lang}", "/search?lang=en&q=mcp%20sdk", {"q": "mcp sdk", "lang": "en"}),
        ("/search{?q,lang}", "/search?q=x&zz=1#top", {"q": "x"}),
        ("/search{?q,lang}", "/search", {}),
        ("/search{?q}", "/search?q", {"q": ""}),
        ("/search{?q}{&page}", "/search?page=2&q=a", {"q": "a", "page": "2"}),
        ("/s{?list*}", "/s?list=a&list=b", {"list": ["a", "b"]}),
        ("/s{?list}", "/s?list=a,b", {"list": "a,b"}),
        ("/s/{q}{?q}", "/s/path?q=query", {"q": "path"}),
        ("/search{?q}", "/other?q=1", None),
        # a literal '?' means the query expressions are matched in order, in the regex
        ("?fixed=yes{&x}", "?fixed=yes&x=1024", {"x": "1024"}),
        ("/a?b=c{&x,y}", "/a?b=c&x=1&y=2", {"x": "1", "y": "2"}),
        ("/a?b=c{&list*}", "/a?b=c&list=1&list=2", {"list": ["1", "2"]}),
        ("/a#{x}", "/a#b", {"x": "b"}),
        ("/a{?q}/b", "/a?q=1/b", {"q": "1"}),
    ],
)
def test_match(template: str, uri: str, expected: dict[str, Any] | None) -> None:
    assert URITemplate(template).match(uri) == expected


# Values from any alphabet, including reserved and non-ASCII characters.
_values = st.text(min_size=1, max_size=20).filter(lambda s: "%" not in s)
_segments = st.lists(_values, min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(name=_values, post=_values)
def test_roundtrip_simple(name: str, post: str) -> None:
    t = URITemplate("users://{name}/posts/{post}")
    values = {"name": name, "post": post}
    assert t.match(expand(t, values)) == values


@settings(max_examples=200, deadline=None)
@given(path=_values, kind=_values)
def test_roundtrip_reserved(path: str, kind: str) -> None:
    t = URITemplate("file:///{kind}/{+path}")
    values = {"kind": kind, "path": path}
    assert t.match(expand(t, values)) == values


@settings(max_examples=200, deadline=None)
@given(segs=_segments, q=_values, tags=_segments)
def test_roundtrip_segments_and_query(segs: list[str], q: str, tags: list[str]) -> None:
    t = URITemplate("repo://r{/segs*}{?q,tags*}")
    values: dict[str, Any] = {"segs": segs, "q": q, "tags": tags}
    assert t.match(expand(t, values)) == values
