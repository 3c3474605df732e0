"""Copy that ingest fetches or is handed outside its HTTP API: feed polling (feeds), the drop folder
(dropfolder), and `newswire publish` (publish_cli, an HTTP client of the API).

May import services.common, the top of services.ingest (intake, metrics, exceptions) and formats/;
never web/, publishing/ (they publish through intake) or services.enrich.
"""
