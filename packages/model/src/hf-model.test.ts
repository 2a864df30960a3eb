import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizerCore } from '@huggingface/tokenizers';
import { createRng, type Problem, type State } from '@o1lab/core';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTinyGptConfig } from './config.js';
import { writeHfDirectory } from './hf-export.js';
import { loadHfDecoder } from './hf-model.js';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModelJson } from './onnx-proto.js';
import { OrtPolicy } from './ort-policy.js';
import { OrtRuntime } from './ort-runtime.js';
import { CharTokenizer, TASK_ALPHABET } from './tokenizer.js';
import { initTinyGptWeights } from './weights.js';

const charTokenizer = new CharTokenizer(TASK_ALPHABET);
const config = resolveTinyGptConfig({
  vocabSize: charTokenizer.vocabSize,
  nLayer: 2,
  dModel: 32,
  nHead: 4,
  seed: 3,
});
// Larger-than-init weights give peaked, varied next-token distributions.
const rng = createRng(11);
const weights = new Map(
  [...initTinyGptWeights(config)].map(([name, w]) => [
    name,
    w.map((v) => v + rng.normal(0, name.endsWith('.g') ? 0.2 : 0.3)),
  ]),
);
const dir = await mkdtemp(join(tmpdir(), 'o1lab-hf-'));
await writeHfDirectory(dir, config, weights, charTokenizer);
const loaded = await loadHfDecoder(dir);
const original = await OrtRuntime.fromWeights(config, weights);
afterAll(async () => {
  await loaded.runtime.dispose();
  await original.dispose();
  await rm(dir, { recursive: true, force: true });
});

const text = `${TASK_ALPHABET} 12+7=19; (3*4)-5 = 7\n\nanswer: 42 #`;

describe('writeHfDirectory + loadHfDecoder', () => {
  it('loads the written directory with its configs and the TinyGPT config', () => {
    expect(loaded.onnxPath).toBe(join(dir, 'onnx', 'model.onnx'));
    expect(loaded.config.model_type).toBe('o1lab-tinygpt');
    expect(loaded.config.num_hidden_layers).toBe(2);
    expect(loaded.generationConfig?.eos_token_id).toBe(2);
    expect(loaded.tinyGpt).toEqual(config);
    expect(loaded.runtime.info.numLayers).toBe(2);
    expect(loaded.runtime.info.numHeads).toBe(4);
  });

  it('HfTokenizer encodes and decodes the task alphabet with the same ids as CharTokenizer', () => {
    const hf = loaded.tokenizer;
    expect([hf.vocabSize, hf.bosId, hf.eosId, hf.padId]).toEqual([
      charTokenizer.vocabSize,
      charTokenizer.bosId,
      charTokenizer.eosId,
      charTokenizer.padId,
    ]);
    const ids = charTokenizer.encode(text);
    expect(hf.encode(text)).toEqual(ids);
    expect(hf.decode(ids)).toBe(text);
    expect(hf.decode([hf.bosId, ...ids, hf.eosId])).toBe(charTokenizer.decode([1, ...ids, 2]));
    for (let id = 0; id < charTokenizer.vocabSize; id++)
      expect(hf.tokenText(id)).toBe(charTokenizer.tokenText(id));
    expect(() => hf.encode('Q')).toThrow(/outside the vocabulary/);
  });

  it('the written tokenizer.json round-trips through @huggingface/tokenizers directly', async () => {
    const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const cfg = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    const core = new HfTokenizerCore(json, cfg);
    const { ids } = core.encode(text, { add_special_tokens: false });
    expect(ids).toEqual(charTokenizer.encode(text));
    expect(core.decode(ids)).toBe(text);
  });

  it('OrtPolicy samples the same tokens over the loaded model as over the original', async () => {
    const problem: Problem = { id: 'p', task: 'toy', question: '12+7', data: null };
    const root: State = { problem, prompt: '12+7=', steps: [] };
    const options = { n: 4, maxTokens: 12, stepDelimiter: ';', seed: 21 };
    const a = await new OrtPolicy(original, charTokenizer).sampleSteps([root], options);
    const b = await new OrtPolicy(loaded.runtime, loaded.tokenizer).sampleSteps([root], options);
    expect(b[0]!.map((s) => s.tokenIds)).toEqual(a[0]!.map((s) => s.tokenIds));
    expect(b[0]!.map((s) => s.text)).toEqual(a[0]!.map((s) => s.text));
    expect(new Set(a[0]!.map((s) => s.text)).size).toBeGreaterThan(1);
  });

  it('renders the chat template, and its text encodes with BOS as an added token', () => {
    const messages = [
      { role: 'system', content: 'solve it.' },
      { role: 'user', content: '12+7=?' },
    ];
    const prompt = loaded.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(prompt).toBe('<bos>system: solve it.\nuser: 12+7=?\nassistant: ');
    expect(loaded.tokenizer.applyChatTemplate(messages)).toBe('<bos>system: solve it.\nuser: 12+7=?\n');
    const ids = loaded.tokenizer.encode(prompt);
    expect(ids[0]).toBe(charTokenizer.bosId);
    expect(ids.slice(1)).toEqual(charTokenizer.encode(prompt.slice('<bos>'.length)));
  });
});

describe('loadHfDecoder errors', () => {
  async function variant(edit: (d: string) => Promise<void>): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'o1lab-hf-bad-'));
    await cp(dir, d, { recursive: true });
    await edit(d);
    return d;
  }

  it('names the missing file', async () => {
    for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      const d = await variant((x) => unlink(join(x, name)));
      await expect(loadHfDecoder(d)).rejects.toThrow(`${join(d, name)}: cannot read the file (ENOENT)`);
      await rm(d, { recursive: true });
    }
    const d = await variant((x) => unlink(join(x, 'onnx', 'model.onnx')));
    await expect(loadHfDecoder(d)).rejects.toThrow(
      /no ONNX decoder \(looked for onnx\/model.onnx, model.onnx\)/,
    );
    await rm(d, { recursive: true });
  });

  it('runs without generation_config.json and finds model.onnx at the top level', async () => {
    const d = await variant(async (x) => {
      await unlink(join(x, 'generation_config.json'));
      await cp(join(x, 'onnx', 'model.onnx'), join(x, 'model.onnx'));
      await rm(join(x, 'onnx'), { recursive: true });
    });
    const m = await loadHfDecoder(d);
    expect(m.generationConfig).toBeUndefined();
    expect(m.onnxPath).toBe(join(d, 'model.onnx'));
    await m.runtime.dispose();
    await rm(d, { recursive: true });
  });

  it('names the corrupt file and what is wrong with it', async () => {
    const cases: [string, string, RegExp][] = [
      ['config.json', '{ not json', /config\.json: not valid JSON/],
      ['tokenizer.json', '[1, 2]', /tokenizer\.json: expected a JSON object/],
      ['tokenizer.json', '{"version": "1.0"}', /tokenizer\.json: tokenizer\.json has no `model` object/],
      [
        'tokenizer_config.json',
        '{"eos_token": "</s>"}',
        /tokenizer_config\.json: .*`eos_token` "<\/s>" is not in/,
      ],
      ['onnx/model.onnx', 'garbage', /model\.onnx: cannot open the ONNX decoder/],
    ];
    for (const [name, content, message] of cases) {
      const d = await variant((x) => writeFile(join(x, name), content));
      await expect(loadHfDecoder(d)).rejects.toThrow(message);
      await rm(d, { recursive: true });
    }
  });

  it('rejects a config.json whose shapes disagree with the ONNX file', async () => {
    const d = await variant(async (x) => {
      const c = JSON.parse(await readFile(join(x, 'config.json'), 'utf8'));
      await writeFile(join(x, 'config.json'), JSON.stringify({ ...c, num_key_value_heads: 2 }));
    });
    await expect(loadHfDecoder(d)).rejects.toThrow(/config\.json says key\/value heads 2 but .* has 4/);
    await rm(d, { recursive: true });
  });

  it('explains external-data weights the runtime cannot open from bytes', async () => {
    const d = await variant((x) => writeFile(join(x, 'onnx', 'model.onnx_data'), ''));
    await expect(loadHfDecoder(d)).rejects.toThrow(/external data/);
    await rm(d, { recursive: true });
  });

  it('says to export with past when the ONNX file has no past_key_values inputs', async () => {
    const d = await variant(async (x) => {
      const path = join(x, 'onnx', 'model.onnx');
      const model = decodeOnnxModel(new Uint8Array(await readFile(path)));
      // The same graph with its cache tensors under other names: valid, but not the Optimum layout.
      const rename = (n: string) =>
        n.replace(/^past_key_values\./, 'cache_in.').replace(/^present\./, 'cache_out.');
      const graph = model.graph!;
      const renamed: OnnxModelJson = {
        ...model,
        graph: {
          ...graph,
          node: graph.node.map((n) => ({ ...n, input: n.input.map(rename), output: n.output.map(rename) })),
          input: graph.input.map((v) => ({ ...v, name: rename(v.name ?? '') })),
          output: graph.output.map((v) => ({ ...v, name: rename(v.name ?? '') })),
        },
      };
      await writeFile(path, encodeOnnxModel(renamed as unknown as Record<string, unknown>));
    });
    await expect(loadHfDecoder(d)).rejects.toThrow(
      /model\.onnx: cannot open the ONNX decoder .*past_key_values.*text-generation-with-past/,
    );
    await rm(d, { recursive: true });
  });
});
