"""Declarative data_parser layer (schemas, dump and parse for v0.0.42-v0.0.45).

Public API::

    from slurmrestd.data_parser import dump, parse, ParserContext, get_registry, VERSIONS
"""

from slurmrestd.data_parser.context import ParserContext, format_path
from slurmrestd.data_parser.engine import dump, parse
from slurmrestd.data_parser.registry import DEFAULT_VERSION, VERSIONS, Registry, get_registry

__all__ = ["ParserContext", "format_path", "dump", "parse", "DEFAULT_VERSION", "VERSIONS",
           "Registry", "get_registry"]
