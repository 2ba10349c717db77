"""Templates format translated text the way Jinja's i18n does: ``_("… %(n)s", n=…)``.

Jinja's gettext fills keyword arguments with ``%``, so a ``{name}`` placeholder in a
``_()`` call that passes keywords would reach the page as the literal text ``{name}``.
"""

from __future__ import annotations

import re
from pathlib import Path

from safetrail.i18n import use_language
from safetrail.web.templating import TEMPLATES, env

CALL_WITH_KEYWORDS = re.compile(r'_\("((?:[^"\\]|\\.)*)",\s*\w+=')


def test_no_brace_placeholder_in_a_call_that_passes_keywords() -> None:
    wrong = [
        f"{path.relative_to(TEMPLATES)}: {text}"
        for path in sorted(Path(TEMPLATES).rglob("*.html"))
        for text in CALL_WITH_KEYWORDS.findall(path.read_text("utf-8"))
        if re.search(r"\{\w+\}", text)
    ]
    assert wrong == []


def test_a_keyword_placeholder_is_filled_in_every_language() -> None:
    page = env.from_string('{{ _("Signed in as %(name)s.", name="Mi<n>") }}')
    with use_language("en"):
        assert page.render() == "Signed in as Mi&lt;n&gt;."
    with use_language("ja"):
        assert page.render() == "Mi&lt;n&gt; としてログインしています。"
    with use_language("ko"):
        assert page.render() == "Mi&lt;n&gt;(으)로 로그인했어요."
