"""A new version beside the one in force, language by language and part by part (issue 20).

The lead sees what changed before publishing, and which translations were left as they were."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.notice import drafting
from portal.notice.models import NoticeVersion


@dataclass(frozen=True)
class PartComparison:
    part: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old.strip() != self.new.strip()


@dataclass(frozen=True)
class LanguageComparison:
    language: str
    parts: list[PartComparison]
    untranslated: bool  # English changed, this language did not (or "what changed" is English)
    written: bool  # the draft has a text in this language


@dataclass(frozen=True)
class Comparison:
    base: NoticeVersion | None
    languages: list[LanguageComparison]


def compare_with_base(session: Session, version: NoticeVersion) -> Comparison:
    """The draft's texts beside the version in force (the newest published when none is)."""
    base = drafting.base_version(session, version.kind)
    old = {text.language: text for text in base.texts} if base is not None else {}
    draft = drafting.draft_of(version)
    untranslated = set(drafting.untranslated_languages(session, version.kind, draft))
    languages = []
    for code in drafting.LANGUAGE_CODES:
        new_text, old_text = draft.text(code), old.get(code)
        parts = [
            PartComparison(
                part,
                str(getattr(old_text, part)) if old_text is not None else "",
                new_text.part(part),
            )
            for part in drafting.PARTS
        ]
        languages.append(
            LanguageComparison(code, parts, code in untranslated, not new_text.is_empty)
        )
    return Comparison(base, languages)
