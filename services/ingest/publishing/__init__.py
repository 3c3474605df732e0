"""Ingest's Kafka side: the producer link and its state (kafka_link), the article publisher
(publisher) and the bounded publish slots that keep requests off the event loop (publish_slots).

May import services.common and the top of services.ingest (metrics, exceptions); never web/, sources/
or services.enrich.
"""
