"""Intent classification for incoming support tickets."""
from __future__ import annotations

import logging
import os

from transformers import (
    AutoModelForSequenceClassification as IntentModel,
    AutoTokenizer,
)

log = logging.getLogger(__name__)
ORG = "examplecorp"
INTENT_MODEL = f"{ORG}/intent-classifier"
# INTENT_MODEL = "examplecorp/intent-classifier-v0"   (retired in March)


class IntentDetector:
    """Wraps the classifier; `IntentDetector("examplecorp/other")` also works."""

    def __init__(self, model_id: str = INTENT_MODEL, device: str = "cpu"):
        self.tokenizer = AutoTokenizer.from_pretrained(model_id)
        self.model = IntentModel.from_pretrained(
            model_id,
            num_labels=12,
        ).to(device)

    def predict(self, text: str) -> int:
        inputs = self.tokenizer(text, return_tensors="pt")
        return int(self.model(**inputs).logits.argmax())


def language_detector():
    # The language model is chosen per deployment.
    name = os.environ.get("LANG_MODEL_ID")
    return AutoTokenizer.from_pretrained(name)
