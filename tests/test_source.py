"""Reading source bytes: the quick decodability check agrees with the full decode."""

from __future__ import annotations

import pytest

from redispool_lint.source import SourceError, check_decodes, decode


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
        b"#!/usr/bin/env python\n# coding: utf-8\nx = 1\n",
        # An unknown codec in a cookie of an otherwise ASCII file.
        b"# -*- coding: no-such-codec -*-\nx = 1\n",
        b"#!/usr/bin/env python\n# vim: set fileencoding=no-such-codec :\nx = 1\n",
        # On the third line it is no cookie: Python ignores it.
        b"\n\n# coding: no-such-codec\nx = 1\n",
        # Old Mac line ends: the "first line" is the whole file.
        b"x = 1\r# coding: no-such-codec\r",
        b"x = '\xe9'\n",  # latin-1 bytes, no cookie
        b"x = '\xc3\xa9'\n",  # UTF-8
        b"x = 1\0\n",
        b"\xef\xbb\xbfx = 1\n",
        b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    ],
)
def test_check_decodes_agrees_with_decode(data: bytes) -> None:
    try:
        decode(data)
    except SourceError as error:
        with pytest.raises(SourceError) as raised:
            check_decodes(data)
        assert str(raised.value) == str(error)
    else:
        check_decodes(data)
