"""The exchange with the HMIS of record, as a feature above the record: the HMIS lead's pages
(the last imports, an import run's report, the export of changes), the changes export itself and
the `flask hmis` commands. The importer and the record stay in the ground (portal/hmis)."""
