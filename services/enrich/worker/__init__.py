"""The enrich worker's Kafka side: Faust transport and ready batches, raw-record decoding, the batch
processor, dead letters, the copy-index replica reader and the worker's Prometheus metrics.

The only room of services.enrich that touches Kafka or Faust. It may import services.common, the
pure rooms (entities, syndication, copies), services.enrich.pipeline and services.enrich.exceptions;
never services.enrich.app (the composition root imports it, not the other way) or services.ingest.
"""
