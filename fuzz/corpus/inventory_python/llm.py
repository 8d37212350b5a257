import anthropic
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

CHAT_MODEL = "examplecorp/chat-13b"
FALLBACK = "claude-3-haiku-20240307"


def local_chat():
    tok = AutoTokenizer.from_pretrained(CHAT_MODEL, revision="v1.2")
    model = AutoModelForCausalLM.from_pretrained(
        CHAT_MODEL, revision="v1.2", trust_remote_code=True, device_map="auto"
    )
    return pipeline("text-generation", model=model, tokenizer=tok)


class HostedChat:
    def __init__(self):
        self.client = anthropic.Anthropic()

    def answer(self, question: str, context: str) -> str:
        msg = self.client.messages.create(
            model=FALLBACK,
            max_tokens=512,
            system="Answer from the context only.\n" + context,
            messages=[{"role": "user", "content": question}],
        )
        return msg.content[0].text


def summarizer():
    return pipeline("summarization", model="facebook/bart-large-cnn")
