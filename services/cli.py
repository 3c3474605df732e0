"""The `newswire` command: one verb per thing an operator or developer does."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from services.common.exceptions import NewswireError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newswire", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    verbs.add_parser("broker", help="run the embedded Kafka-compatible broker (memory only) until Ctrl-C")

    up = verbs.add_parser("up", help="broker + ingest + enrich together; Ctrl-C stops everything")
    up.add_argument("--demo", action="store_true", help="post the sample stories and print what comes out")
    up.add_argument("--quiet", action="store_true", help="do not print enriched records as they arrive")

    verbs.add_parser("ingest", help="run the ingest HTTP service (and feeds / drop folder when configured)")
    verbs.add_parser("enrich", help="run one enrich worker (Faust); start more to share the partitions")

    publish = verbs.add_parser("publish", help="send files (or - for stdin) to the ingest API")
    publish.add_argument("paths", nargs="+", metavar="PATH")
    publish.add_argument("--url", help="ingest base URL (default: from NEWSWIRE_INGEST_HOST/PORT)")
    publish.add_argument("--content-type", help="override the content type guessed from the file name")
    publish.add_argument("--provider", help="provider to record for text or HTML copy")
    publish.add_argument("--token", help="bearer token of your desk (default: NEWSWIRE_INGEST_TOKEN)")

    token = verbs.add_parser("token", help="make a new desk token and print its tokens-file entry")
    token.add_argument("desk", help="desk name (the metrics label of its requests)")
    token.add_argument("--provider", action="append", help="a provider the desk may send as (repeat)")

    tail = verbs.add_parser("tail", help="print records of a topic as JSON lines")
    tail.add_argument("--topic", choices=("enriched", "raw", "dlq"), default="enriched")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest record, not now")
    tail.add_argument("--max", type=int, default=0, help="stop after this many records (0: never)")
    tail.add_argument("--timeout", type=float, default=0, help="stop after this many idle seconds (0: never)")
    tail.add_argument(
        "--meta",
        action="store_true",
        help='wrap each record as {"topic", "partition", "offset", "timestamp_ms", "key", "value"}',
    )

    verbs.add_parser("topics", help="create the raw, enriched and dead-letter topics if they do not exist")

    verbs.add_parser(
        "eval",
        help="score entities and syndication on the evaluation corpus, or with --syndication PATH "
        "syndication on labelled real copy, with --languages PATH language detection, or with --copies [PATH] "
        "republication detection (--help)",
    )

    # `eval` has its own options (services/evaluation/evaluation.py); every other verb takes only its own.
    args, rest = parser.parse_known_args(argv)
    if rest and args.verb != "eval":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    try:
        return _run(args)
    except NewswireError as exc:
        print(f"newswire {args.verb}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    # Imports per verb: `newswire tail` should not pay for loading spaCy and Faust.
    from services.common.settings import Settings

    settings = Settings.from_env()
    if args.verb == "broker":
        from services.runner import run_broker

        return run_broker(settings)
    if args.verb == "up":
        from services.runner import run_up

        return run_up(settings, demo=args.demo, show=not args.quiet)
    if args.verb == "ingest":
        from services.ingest.app import main as ingest_main

        ingest_main(settings)
        return 0
    if args.verb == "enrich":
        from services.enrich.app import main as enrich_main

        enrich_main(settings)
        return 0
    if args.verb == "publish":
        from services.ingest.sources.publish_cli import publish_paths

        return publish_paths(
            settings,
            args.paths,
            url=args.url,
            content_type=args.content_type,
            provider=args.provider,
            token=args.token,
        )
    if args.verb == "token":
        from services.ingest.web.auth import token_entry

        print(token_entry(args.desk, args.provider))
        return 0
    if args.verb == "tail":
        from services.common.tail import tail

        return tail(
            settings,
            topic=args.topic,
            from_beginning=args.from_beginning,
            limit=args.max,
            idle_timeout_s=args.timeout,
            meta=args.meta,
        )
    if args.verb == "topics":
        from services.common.kafka import ensure_topics, topics_of

        created = ensure_topics(settings)
        for name in topics_of(settings):
            print(f"{name}: {'created' if name in created else 'exists'}")
        return 0
    if args.verb == "eval" and any(a.split("=")[0] == "--copies" for a in args.rest):
        from services.evaluation.copies_eval import main as copies_eval_main

        return copies_eval_main(settings, args.rest)  # republication detection, no NER needed
    if args.verb == "eval" and any(a.split("=")[0] == "--syndication" for a in args.rest):
        from services.evaluation.syndication_eval import main as syndication_eval_main

        return syndication_eval_main(settings, args.rest)  # labelled real copy, no NER needed
    if args.verb == "eval":
        if any(a == "--conll" or a.startswith("--conll=") for a in args.rest):
            from services.evaluation.conll_eval import main as conll_main

            return conll_main(settings, args.rest)
        from services.evaluation.evaluation import main as eval_main

        return eval_main(settings, args.rest)
    raise AssertionError(args.verb)


if __name__ == "__main__":
    sys.exit(main())
