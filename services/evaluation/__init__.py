"""`newswire eval`: entity, syndication, language, republication and CoNLL scores of the enrichment
rules on labelled corpora (tests/corpus/ by default). The worker never imports this package.

May import services.common, services.enrich.pipeline and the pure rule rooms (entities, syndication,
copies); never the worker, Kafka or Faust.
"""
