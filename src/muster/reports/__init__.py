"""What each person reads: transcripts with their verify page, the agency dashboard, the
state report, and the sortable, exportable tables they share."""
