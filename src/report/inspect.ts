import { safeArgv, safeDeep, safeText } from '../redact.js';
import type { HistoryEntry } from '../image/types.js';
import type { LayerStats } from '../layers/types.js';
import { formatSize, shortDigest, shortMediaType, showControl } from './format.js';
import { ordered, stringify } from './json.js';
import { columns, Painter, table } from './table.js';

/** What `image-gate inspect` shows. Unset config fields are empty (``, `[]`, `{}`), not null. */
export interface InspectInfo {
  reference: string;
  manifestDigest: string;
  manifestMediaType: string;
  configDigest: string;
  /** `os/arch[/variant]`. */
  platform: string;
  config: {
    user: string;
    env: string[];
    entrypoint: string[];
    cmd: string[];
    workingDir: string;
    labels: Record<string, string>;
    history: HistoryEntry[];
  };
  layers: LayerStats[];
}

export interface InspectOptions {
  /**
   * Applied to every `NAME=value` env entry before it is shown. Inspect shows the config as it
   * is (it is not a secret scanner), but a caller printing to shared logs can mask values.
   */
  redactEnv?: (entry: string) => string;
  /** ANSI colours in the table format. */
  color?: boolean;
}

const LAYER_KEYS = [
  'index',
  'digest',
  'diffId',
  'mediaType',
  'compressedSize',
  'uncompressedSize',
  'fileCount',
];

function canonical(info: InspectInfo, redact: (s: string) => string): Record<string, unknown> {
  return ordered(
    info,
    [
      'reference',
      'manifestDigest',
      'manifestMediaType',
      'configDigest',
      'platform',
      'config',
      'layers',
    ],
    {
      config: (c: InspectInfo['config']) =>
        ordered(
          { ...c, env: c.env.map(redact) },
          // Labels are sorted by `ordered` (unknown map): the same image always prints the same.
          ['user', 'env', 'entrypoint', 'cmd', 'workingDir', 'labels', 'history'],
          {
            history: (h: HistoryEntry[]) =>
              h.map((e) =>
                ordered(e, ['created', 'created_by', 'author', 'comment', 'empty_layer']),
              ),
          },
        ),
      layers: (l: LayerStats[]) => l.map((x) => ordered(x, LAYER_KEYS)),
    },
  );
}

/** `["/bin/sh","-c"]` as JSON, which is unambiguous about spaces inside arguments. */
function argv(list: readonly string[]): string {
  return list.length > 0 ? JSON.stringify(list) : '-';
}

function renderInspectTable(info: InspectInfo, redact: (s: string) => string, p: Painter): string {
  const c = info.config;
  const lines = columns(
    [
      ['reference', info.reference],
      ['manifest', `${info.manifestDigest} (${info.manifestMediaType})`],
      ['config', info.configDigest],
      ['platform', info.platform],
      ['user', c.user || 'not set (root)'],
      ['entrypoint', argv(c.entrypoint)],
      ['cmd', argv(c.cmd)],
      ['workdir', c.workingDir || '-'],
    ],
    p,
    '',
  );
  const section = (title: string, body: string[]): void => {
    lines.push('', p.paint(title, 'bold'), ...(body.length > 0 ? body : ['  (none)']));
  };
  section(
    'env',
    c.env.map((e) => `  ${showControl(redact(e))}`),
  );
  section(
    'labels',
    columns(
      Object.keys(c.labels)
        .sort()
        .map((k) => [k, c.labels[k] ?? '']),
      p,
    ),
  );
  section(
    'history',
    c.history.length > 0
      ? table(
          ['#', 'CREATED', 'LAYER', 'CREATED BY'],
          c.history.map((h, i) => [
            String(i),
            h.created ?? '-',
            h.empty_layer ? '-' : 'yes',
            h.created_by ?? h.comment ?? '',
          ]),
          p,
        )
      : [],
  );
  const total = (key: 'compressedSize' | 'uncompressedSize'): number =>
    info.layers.reduce((n, l) => n + l[key], 0);
  section(
    'layers',
    info.layers.length > 0
      ? table(
          ['#', 'DIGEST', 'DIFFID', 'MEDIA TYPE', 'COMPRESSED', 'UNCOMPRESSED', 'FILES'],
          [
            ...info.layers.map((l) => [
              String(l.index),
              shortDigest(l.digest),
              shortDigest(l.diffId),
              shortMediaType(l.mediaType),
              formatSize(l.compressedSize),
              formatSize(l.uncompressedSize),
              String(l.fileCount),
            ]),
            [
              'total',
              '',
              '',
              '',
              formatSize(total('compressedSize')),
              formatSize(total('uncompressedSize')),
              String(info.layers.reduce((n, l) => n + l.fileCount, 0)),
            ],
          ],
          p,
        )
      : [],
  );
  return `${lines.join('\n')}\n`;
}

/** The `inspect` output: a human table, or JSON with a fixed key order. */
export function renderInspect(
  info: InspectInfo,
  format: 'table' | 'json',
  options: InspectOptions = {},
): string {
  const given = options.redactEnv ?? ((s: string) => s);
  // The caller's redaction runs first, on the entry as the image holds it.
  const redact = (entry: string): string => safeText(given(entry));
  const c = info.config;
  const safe = safeDeep({
    ...info,
    config: { ...c, entrypoint: safeArgv(c.entrypoint), cmd: safeArgv(c.cmd) },
  });
  if (format === 'json') return stringify(canonical(safe, redact));
  return renderInspectTable(safe, redact, new Painter(options.color === true));
}
