"""Run a handler as the pipeline does (``RestApp._handle``): a raised SlurmError
becomes the request's error and the handler's answer is None."""

from slurmrestd.errors import SlurmError


def run(fn, ctx):
    try:
        return fn(ctx)
    except SlurmError as e:
        ctx.record(e)
        return None
