"""MkDocs hook: show the Sphinx roles in esig's docstrings as code, not as raw markup.

esig's docstrings use Google-style sections together with reStructuredText markup:
cross-reference roles such as ``:class:`Citation``` and literal-block markers such as
"The tree::". mkdocstrings renders docstrings as Markdown, where both would appear
verbatim. This hook adds a Markdown preprocessor that turns ``:role:`~pkg.Name``` into
```Name``` and a trailing ``::`` into ``:``, outside fenced code blocks.

It changes only how the site renders; the source files are untouched. It can go once the
docstrings use Markdown cross-references (``[Citation][esig.law.Citation]``).
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):`(~?)([^`]+)`")
_LITERAL_MARKER = re.compile(r"(?<=\S)::$")
_FENCE = ("```", "~~~")


def _as_code(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


class _SphinxRoles(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        for line in lines:
            if line.lstrip().startswith(_FENCE):
                in_fence = not in_fence
                out.append(line)
            elif in_fence:
                out.append(line)
            else:
                out.append(_LITERAL_MARKER.sub(":", _ROLE.sub(_as_code, line)))
        return out


class SphinxRolesExtension(Extension):
    """Register the preprocessor (after whitespace normalisation, before fenced code)."""

    def extendMarkdown(self, md: Markdown) -> None:
        """Add the preprocessor to ``md``."""
        md.preprocessors.register(_SphinxRoles(md), "esig_sphinx_roles", 27)


@event_priority(100)  # before mkdocstrings reads the extension list in its own on_config
def on_config(config: Any) -> Any:
    """Add the extension to every Markdown instance, mkdocstrings' included."""
    config.markdown_extensions.append(SphinxRolesExtension())
    return config
