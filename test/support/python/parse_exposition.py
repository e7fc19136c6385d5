"""Parses Prometheus text (0.0.4) or OpenMetrics 1.0 from stdin with the official Python client's
parsers and prints the samples as JSON, so tests can check what a real parser reads back."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics


def encode(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def main():
    parse = parse_openmetrics if sys.argv[1] == "openmetrics" else parse_text
    families = []
    for family in parse(sys.stdin.read()):
        families.append({
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": encode(s.value)} for s in family.samples],
        })
    json.dump(families, sys.stdout)


main()
