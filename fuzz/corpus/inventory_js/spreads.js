import OpenAI from 'openai';
const base = { model: 'gpt-4o-mini' };
await new OpenAI().chat.completions.create({ ...base, ...{ ...x }, messages: [] });
