// Runs in a Web Worker: sentiment and embeddings entirely in the browser.
import { pipeline, env } from '@huggingface/transformers';

env.allowLocalModels = false;

const SENTIMENT = 'Xenova/distilbert-base-uncased-finetuned-sst-2-english';

class PipelineSingleton {
  static task = 'feature-extraction';
  static instance = null;

  static async getInstance(progress_callback = null) {
    if (this.instance === null) {
      this.instance = pipeline(this.task, 'Xenova/all-MiniLM-L6-v2', { progress_callback });
    }
    return this.instance;
  }
}

self.addEventListener('message', async (event) => {
  const classifier = await pipeline('sentiment-analysis', SENTIMENT);
  // const old = await pipeline('ner', 'Xenova/bert-base-NER');
  const out = await classifier(event.data.text);
  const extractor = await PipelineSingleton.getInstance((x) => self.postMessage(x));
  self.postMessage({ status: 'complete', output: out, url: "https://example.com/a//b" });
});
