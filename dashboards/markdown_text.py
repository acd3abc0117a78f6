"""Text from the data (titles built from payer names, recipients, error messages) shown in an element that
renders Markdown (st.success, st.subheader, st.caption, ...) must appear as written: a payer name like
`![x](https://host/...)` must not make the browser load an image, nor `**` turn into bold. Streamlit has no
escaping helper, so this backslash-escapes every character CommonMark gives a meaning to."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """`text` escaped so a Markdown-rendering element shows it literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
