"""base.id_check_char (migration 0013: one inlinable expression) agrees with the Python check
character (canbao.ids.check_char) on every input, and is null for anything but 17 digits."""

import random

import sqlalchemy as sa

from canbao.ids import check_char


def test_sql_check_character_matches_python_and_rejects_non_digits(fresh_db_url):
    rng = random.Random(11643)
    firsts = ["".join(rng.choice("0123456789") for _ in range(17)) for _ in range(3000)]
    bad = ["", "1234", "12345678901234567", "1234567890123456X", "１２３４５６７８９０１２３４５６７",
           "123456789012345678", None]
    with sa.create_engine(fresh_db_url).connect() as conn:
        got = conn.execute(sa.text("select f, base.id_check_char(f) from unnest(cast(:fs as text[])) as f"),
                           {"fs": firsts}).all()
        assert {f: c for f, c in got} == {f: check_char(f) for f in firsts}
        bad_got = conn.execute(sa.text("select base.id_check_char(f) from unnest(cast(:fs as text[])) as f"),
                               {"fs": bad}).scalars().all()
    # the 17-digit entry of `bad` is valid on purpose: the only non-null answer
    assert bad_got == [None, None, check_char("12345678901234567"), None, None, None, None]
