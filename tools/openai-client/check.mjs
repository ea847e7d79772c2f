// Drives a running `peft serve` through the official openai client (npm "openai"), as an application would.
// Usage: node check.mjs BASE_URL ADAPTER PROMPT   (BASE_URL like http://127.0.0.1:8080/v1)
// Prints one JSON object: what each call returned, for the Java test to check against the server's own answers.
import OpenAI from "openai";

const [baseURL, adapter, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.PEFT_SERVE_TOKEN || "unused", maxRetries: 0 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => ({ id: m.id, parent: m.parent ?? null }));
const baseModel = out.models[0].id;

for (const [key, model] of [["adapter", adapter], ["base", baseModel]]) {
  const c = await client.completions.create({ model, prompt, max_tokens: 6, temperature: 0 });
  let streamed = "";
  let finish = null;
  for await (const chunk of await client.completions.create({ model, prompt, max_tokens: 6, temperature: 0, stream: true })) {
    streamed += chunk.choices[0].text;
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  out[key] = { text: c.choices[0].text, finish: c.choices[0].finish_reason, usage: c.usage, streamed, streamedFinish: finish };
}

const messages = [{ role: "system", content: "w5" }, { role: "user", content: prompt }];
const chat = await client.chat.completions.create({ model: adapter, messages, max_tokens: 5, temperature: 0 });
let chatStreamed = "";
for await (const chunk of await client.chat.completions.create({ model: adapter, messages, max_tokens: 5, temperature: 0, stream: true })) {
  chatStreamed += chunk.choices[0]?.delta?.content ?? "";
}
out.chat = { content: chat.choices[0].message.content, role: chat.choices[0].message.role, streamed: chatStreamed };

try {
  await client.completions.create({ model: "no-such-adapter", prompt, max_tokens: 2 });
  out.unknownModel = "no error";
} catch (e) {
  out.unknownModel = { notFound: e instanceof OpenAI.NotFoundError, status: e.status, code: e.code ?? null, param: e.param ?? null };
}
console.log(JSON.stringify(out));
