import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Json, O1labError, parseJsonl, writeFileAtomic } from '@o1lab/core';

/** What every run directory records about how its numbers were made. */
export interface RunManifest {
  readonly command: string;
  readonly config: Json;
  readonly seed: number;
  /** Versions of the o1lab packages and the engines. */
  readonly versions: Readonly<Record<string, string>>;
  /** tfjs backend and ONNX Runtime execution provider, filled in as they are chosen. */
  readonly backend: Readonly<Record<string, string>>;
  readonly gitSha: string | null;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly platform: string;
    readonly node: string;
  };
  readonly createdAt: string;
}

const MANIFEST = 'manifest.json';

/**
 * A run directory: `manifest.json`, append-only journals (`*.jsonl`, one finished unit of work per
 * line, so a killed run resumes where it stopped), phase outputs and the report.
 */
export class RunDir {
  private constructor(
    readonly path: string,
    readonly manifest: RunManifest,
  ) {}

  /**
   * Opens `path` for a run. A fresh run needs an empty or missing directory; with `resume` the
   * directory must hold a manifest whose config equals `config` (a resumed run finishes the same run).
   */
  static async open(
    path: string,
    init: {
      readonly command: string;
      readonly config: Json;
      readonly seed: number;
      readonly resume: boolean;
    },
  ): Promise<RunDir> {
    const manifestPath = join(path, MANIFEST);
    if (existsSync(manifestPath)) {
      if (!init.resume) {
        throw new O1labError('INVALID_INPUT', `run directory ${path} already holds a run`, {
          where: 'run',
          hint: 'pass --resume to finish it, or choose another --out',
        });
      }
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as RunManifest;
      if (stableStringify(manifest.config) !== stableStringify(init.config)) {
        throw new O1labError('INVALID_INPUT', `run directory ${path} was started with another config`, {
          where: 'run',
          hint: 'resume with the same recipe and options, or choose another --out',
        });
      }
      return new RunDir(path, manifest);
    }
    await mkdir(path, { recursive: true });
    const manifest: RunManifest = {
      command: init.command,
      config: init.config,
      seed: init.seed,
      versions: packageVersions(),
      backend: {},
      gitSha: gitSha(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        platform: `${platform()}-${arch()}`,
        node: process.version,
      },
      createdAt: new Date().toISOString(),
    };
    const dir = new RunDir(path, manifest);
    await dir.writeJson(MANIFEST, manifest);
    return dir;
  }

  /** Records a backend choice (e.g. `tfjs` -> `wasm`, `onnxruntime` -> `cpu`) in the manifest. */
  async setBackend(key: string, value: string): Promise<void> {
    if (this.manifest.backend[key] === value) return;
    (this as { manifest: RunManifest }).manifest = {
      ...this.manifest,
      backend: { ...this.manifest.backend, [key]: value },
    };
    await this.writeJson(MANIFEST, this.manifest);
  }

  file(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    const path = this.file(name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  }

  async readJson<T>(name: string): Promise<T | undefined> {
    const path = this.file(name);
    if (!existsSync(path)) return undefined;
    return JSON.parse(await readFile(path, 'utf8')) as T;
  }

  /** Opens (and reads back) an append-only journal of records keyed by `key`. */
  async journal<T extends { readonly key: string }>(name: string): Promise<Journal<T>> {
    const path = this.file(name);
    await mkdir(join(path, '..'), { recursive: true });
    const done = new Map<string, T>();
    if (existsSync(path)) {
      let text = await readFile(path, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) {
        // A kill mid-write leaves a torn last line: drop it so the next append starts a clean line.
        text = text.slice(0, text.lastIndexOf('\n') + 1);
        await writeFileAtomic(path, text);
      }
      const { records } = parseJsonl<T>(text, undefined, path);
      for (const r of records) done.set(r.key, r);
    }
    return new Journal<T>(path, done);
  }
}

/** Finished units of one phase; `append` writes a line before the unit counts as done. */
export class Journal<T extends { readonly key: string }> {
  constructor(
    readonly path: string,
    private readonly done: Map<string, T>,
  ) {}

  get(key: string): T | undefined {
    return this.done.get(key);
  }

  get size(): number {
    return this.done.size;
  }

  async append(record: T): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
    this.done.set(record.key, record);
  }
}

/** JSON with sorted keys, for comparing configs. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.version };
  for (const name of ['@o1lab/core', '@o1lab/model', 'onnxruntime-node', '@tensorflow/tfjs']) {
    const version = versionOf(require, name);
    if (version !== undefined) out[name] = version;
  }
  const own = readPackageJson(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'));
  if (own !== undefined) out[own.name] = own.version;
  return out;
}

/** The version of an installed package: its package.json, found above its resolved entry point. */
function versionOf(require: NodeRequire, name: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = readPackageJson(join(dir, 'package.json'));
    if (pkg?.name === name) return pkg.version;
  }
  return undefined;
}

function readPackageJson(path: string): { name: string; version: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name: string; version: string };
  } catch {
    return undefined;
  }
}

function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}
