import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/config.js';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

// Static checks of the production stack; no Docker engine needed. `yaml` comes in through vitest
// and @fastify/swagger (not a direct dependency).

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const composeText = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = compose.services;
const packageJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const APP_SERVICES = { migrate: 'migrate', worker: 'worker', api: 'api' } as const;

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`, with unset variables as placeholders (a key of the right length for the key). */
function interpolate(value: string): string {
  return value
    .replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_, name: string, kind?: string, arg?: string) =>
      kind === '-' ? (arg ?? '') : name === 'DELIVERY_ENCRYPTION_KEY' ? Buffer.alloc(32).toString('base64') : `placeholder-${name.toLowerCase()}`,
    )
    .replace(/\$\$/g, '$');
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((item) => {
        const [key, ...rest] = item.split('=');
        return [key ?? '', rest.join('=')] as const;
      })
    : Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)] as const);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

function dependsOn(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

function buildOf(service: ComposeService): { context: string; dockerfile: string } | null {
  if (!service.build) return null;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return { context: build.context ?? '.', dockerfile: build.dockerfile ?? 'Dockerfile' };
}

describe('docker-compose.yml', () => {
  it('defines the production services', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'migrate', 'worker', 'api']) {
      expect(services, `service ${name}`).toHaveProperty(name);
    }
  });

  it('gives every service an image or a build whose Dockerfile exists', () => {
    for (const [name, service] of Object.entries(services)) {
      const build = buildOf(service);
      if (build) {
        const context = path.resolve(PROJECT_ROOT, build.context);
        expect(statSync(context).isDirectory(), `${name}: build context ${build.context}`).toBe(true);
        expect(existsSync(path.join(context, build.dockerfile)), `${name}: ${build.dockerfile}`).toBe(true);
      } else {
        expect(service.image, `${name} has neither image nor build`).toMatch(/\S/);
        // Third-party images are pinned so a `docker compose pull` cannot change the stack.
        expect(service.image, `${name}: pin a tag`).toMatch(/:(?!latest$)[\w][\w.-]*$/);
      }
    }
  });

  it('runs migrate, worker and api as node itself (signals reach it), on the files their npm scripts run', () => {
    for (const [name, script] of Object.entries(APP_SERVICES)) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(buildOf(service!), `${name} is built from this repo`).not.toBeNull();
      const command = Array.isArray(service!.command) ? service!.command : (service!.command ?? '').split(/\s+/);
      expect(packageJson.scripts, `package.json script "${script}"`).toHaveProperty(script);
      const file = packageJson.scripts[script]!.replace(/^tsx\s+/, '');
      expect(command, name).toEqual(['node', '--import', 'tsx', file]);
      expect(existsSync(path.join(PROJECT_ROOT, file)), `${file} exists`).toBe(true);
    }
  });

  it('depends only on services that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of dependsOn(service)) {
        expect(Object.keys(services), `${name} depends_on ${dependency}`).toContain(dependency);
      }
    }
  });

  it('passes the app only variables config/config.ts knows, with valid values', () => {
    for (const name of Object.keys(APP_SERVICES)) {
      const env = environmentOf(services[name]!);
      // loadConfig validates the values and strips keys the schema does not know.
      const parsed = loadConfig(env) as Record<string, unknown>;
      for (const key of Object.keys(env)) {
        expect(parsed, `${name}: ${key} is not a config/config.ts field`).toHaveProperty(key);
      }
      expect(env.API_HOST, `${name}: API_HOST`).toBe('0.0.0.0');
      expect(new URL(env.DATABASE_URL ?? '').hostname, `${name}: DATABASE_URL host`).toBe('postgres');
      expect(env.TEMPORAL_ADDRESS?.split(':')[0], `${name}: TEMPORAL_ADDRESS host`).toBe('temporal');
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY\s+(?!--)(.+)$/gm)].flatMap((m) => {
    const parts = m[1]!.trim().split(/\s+/);
    return parts.slice(0, -1);
  });

  it('is based on node:20-slim and installs with npm ci', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim\b/m);
    expect(dockerfile).toMatch(/\bnpm ci\b/);
  });

  it('copies only paths that exist', () => {
    for (const source of copied) expect(existsSync(path.join(PROJECT_ROOT, source)), `COPY ${source}`).toBe(true);
  });

  it('copies every top-level source directory the services may import', () => {
    const notShipped = new Set(['node_modules', 'tests', 'bench', 'web']);
    const sourceDirs = readdirSync(PROJECT_ROOT, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !notShipped.has(entry.name))
      .filter((entry) => containsTypeScript(path.join(PROJECT_ROOT, entry.name)))
      .map((entry) => entry.name);
    for (const dir of sourceDirs) expect(copied, `Dockerfile must COPY ${dir}/`).toContain(dir);
  });
});

function containsTypeScript(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory() ? containsTypeScript(path.join(dir, entry.name)) : entry.name.endsWith('.ts'),
  );
}
