"""Hostile SQL sent through ?sql=, with how the published instance must answer each: an error
(400, message matching the regex) within the time limit, or, for printf, NULL at once (as
SQLite itself answers an oversized printf, only after seconds). Used by bench/serve_load.py
and tests/test_hostile_sql.py."""

TOO_LONG = r"SQL query took too long"
TOO_BIG = r"string or blob too big"
NOT_SELECT = r"Statement must be a SELECT"

HOSTILE_SQL = {
    "endless recursive CTE": ("with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n", TOO_LONG),
    "huge cross join": ("select count(*) from theories a, theories b, theories c, theories d, theories e, theories f, theories g", TOO_LONG),
    "randomblob bomb": ("select randomblob(1000000000)", TOO_BIG),
    "zeroblob bomb": ("select zeroblob(1000000000)", TOO_BIG),
    "replace bomb": ("select length(replace(hex(zeroblob(50000000)), '0', '0123456789'))", TOO_BIG),
    "group_concat bomb": ("select length(group_concat(randomblob(40000))) from theories a, theories b", TOO_BIG),
    "printf bomb": ("select printf('%.*c', 2000000000, 'x')", None),
    "format bomb": ("select format('%2000000000c', 'x')", None),
    "long LIKE pattern": ("select printf('%.*c', 24000, 'a') like '%' || printf('%.*c', 24000, 'a') || 'b'", r"LIKE or GLOB pattern too complex"),
    "attach": ("attach database '/tmp/evil.db' as evil", NOT_SELECT),
    "insert": ("insert into theories (number, title, description, start, \"end\") values (99, 'x', 'x', 0, 0)", NOT_SELECT),
    "update": ("update theories set title = 'x'", NOT_SELECT),
    "delete": ("delete from theories", NOT_SELECT),
    "drop": ("drop table theories", NOT_SELECT),
    "create": ("create table evil (x)", NOT_SELECT),
    "write in a CTE": (
        "with x as (select 1) insert into rating_sets (id, kind, label, source) select 'x', 'group', 'x', 'x' from x",
        r"attempt to write a readonly database",
    ),
    "pragma": ("pragma writable_schema = 1", NOT_SELECT),
    "pragma function": ("select * from pragma_compile_options()", r"disallowed PRAGMA"),
    "load_extension": ("select load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')", r"not authorized"),
    "two statements": ("select 1; drop table theories", r"You can only execute one statement at a time"),
}
# Not refused, but bounded: the largest answer the limits allow (max_returned_rows of a value just
# under the length limit), which costs the server most memory and rendering time.
LARGEST_ANSWER_SQL = "select randomblob(24900) from theories a, theories b, theories c limit 1000"
