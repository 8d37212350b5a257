# Python 2 code still found in old trees.
from transformers import BertModel
print "loading"
model = BertModel.from_pretrained('bert-base-cased')
print >>sys.stderr, "done", `model`
exec "x = 1"
