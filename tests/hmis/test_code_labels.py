from portal.hmis import code_labels
from portal.hmis.codes import _lists


def test_every_hud_label_is_marked_for_translation() -> None:
    marked = set(code_labels.LABELS)
    for lists in _lists().values():
        for name, entry in lists.items():
            if name == "ExportDirective":
                continue
            missing = set(entry["values"].values()) - marked  # type: ignore[union-attr]
            assert not missing, f"{name}: {sorted(missing)}"
