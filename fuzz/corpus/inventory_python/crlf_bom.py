# -*- coding: utf-8 -*-
from transformers import AutoModel

if True:
	model = AutoModel.from_pretrained(
		"acme/crlf-tabs"
	)
