import OpenAI from "openai";

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });
const DEFAULT_MODEL: string = "gpt-4o-mini";

export interface AskOptions {
  model?: string;
  temperature?: number;
}

export async function ask(question: string, opts: AskOptions = {}): Promise<string> {
  const completion = await client.chat.completions.create({
    model: opts.model ?? DEFAULT_MODEL,
    messages: [{ role: "user", content: question }],
  });
  return completion.choices[0]?.message?.content ?? "";
}

export async function embed(text: string) {
  const res = await client.embeddings.create({ model: "text-embedding-3-small", input: text });
  return res.data[0].embedding as number[];
}
