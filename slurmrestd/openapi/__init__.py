"""OpenAPI document and operation table.

    from slurmrestd.openapi import build_document, iter_operations
"""

from slurmrestd.openapi.document import (
    Operation, build_document, iter_operations, operation_id,
)

__all__ = ["Operation", "build_document", "iter_operations", "operation_id"]
