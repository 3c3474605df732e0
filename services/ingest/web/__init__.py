"""The ingest HTTP API: Starlette routes (http_api) and the OpenAPI document they serve (openapi.json,
read next to http_api.py), uvicorn header limits, desk tokens and access (auth, access, quotas), and
request bodies into submissions (encodings, submissions).

May import services.common, the top of services.ingest (intake, metrics, exceptions), formats/, and
publishing's link state and publish slots; never sources/ or services.enrich.
"""
