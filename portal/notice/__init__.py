"""The HMIS privacy notice: published versions, per-language texts, acknowledgements."""
