import OpenAI from 'openai';
export class S<T> extends Base<T> implements I {
  private readonly client: OpenAI = new OpenAI();
  #m = 'gpt-4o';
  static EMBED = 'Xenova/gte-small'
  model?: string = 'gpt-4o-mini';
  get x(): string { return this.#m; }
  async *gen<U>(q: U): AsyncGenerator<U> { yield this.client.chat.completions.create({ model: this.model }); }
  [Symbol.iterator]() {}
  handler = async () => 1;
}
