"""A stand-in for the `dagster` package (PyPI is out of reach here): the few
names lana-dw's code uses, so the image's Python really imports that code.
The real image gets dagster from the build command's output, packed into the
lana-dw.tar.gz release asset (docs/bases.md, "Python dependencies")."""


class AssetsDefinition:
    def __init__(self, fn, deps):
        self.fn = fn
        self.key = fn.__name__
        self.deps = [d if isinstance(d, str) else d.key for d in deps]

    def __repr__(self):
        return f"asset {self.key}" + (f" (deps: {', '.join(self.deps)})" if self.deps else "")


def asset(fn=None, *, deps=()):
    """@asset or @asset(deps=[...]), as dagster spells them."""
    if fn is None:
        return lambda f: AssetsDefinition(f, deps)
    return AssetsDefinition(fn, deps)


class Definitions:
    def __init__(self, assets=()):
        self.assets = list(assets)
