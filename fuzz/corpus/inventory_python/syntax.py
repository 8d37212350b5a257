# Python constructs that line-based scanners get wrong.
import os
from transformers import AutoModel, pipeline as make_pipeline

ORG = "acme"
JOINED = "/".join([ORG, "joined"])
PERCENT = "%s/%s" % (ORG, "percent")
TRIPLE = """acme/triple"""
RAW = r'acme/raw'
CONCAT = ("acme/"
          "concat")
BYTES = b"acme/bytes"
CHOICE = "acme/yes" if os.name == "nt" else "acme/no"

AutoModel.from_pretrained(JOINED)
AutoModel.from_pretrained(PERCENT); AutoModel.from_pretrained(TRIPLE)
AutoModel.from_pretrained(RAW)
AutoModel.from_pretrained(CONCAT)
AutoModel.from_pretrained(BYTES)
AutoModel.from_pretrained(CHOICE)
models = [AutoModel.from_pretrained(m) for m in ("acme/comp-a", "acme/comp-b")]
if (name := "acme/walrus"):
    AutoModel.from_pretrained(name)
loader = lambda n="acme/lambda-default": AutoModel.from_pretrained(n)
text = "AutoModel.from_pretrained('acme/in-string') # not code"
s = 'it''s'; AutoModel.from_pretrained("acme/after-odd-quotes")
x = "unterminated \
continued"; AutoModel.from_pretrained("acme/after-continuation")
make_pipeline("fill-mask", model=f"{ORG}/{'fstring-nested'}")
make_pipeline("fill-mask", model=f"{ORG}/{{braces}}")
match os.name:
    case "posix":
        AutoModel.from_pretrained("acme/match-case")
    case _:
        pass


class Registry:
    DEFAULT = "acme/class-default"

    @classmethod
    def load(cls):
        return AutoModel.from_pretrained(cls.DEFAULT)


def broken(:
    pass
AutoModel.from_pretrained("acme/after-syntax-error")
