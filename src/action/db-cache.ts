import * as cache from '@actions/cache';
import { errorMessage } from '../errors.js';
import type { ActionIo } from './io.js';

/**
 * Keeps the scanners' vulnerability databases between workflow runs, so a run does not depend
 * on a download that may be rate-limited. A cache miss or a failing cache service is only a
 * warning: the scanners then download their database, and a stale or missing one fails closed.
 */
export interface ScannerDbCache {
  restore(dir: string): Promise<void>;
  save(dir: string): Promise<void>;
}

/** One key a day: the databases are rebuilt every few hours, older ones are restored by prefix. */
export function dbCacheKey(now = new Date()): { key: string; prefix: string } {
  const prefix = `image-gate-db-${process.platform}-${process.arch}-`;
  return { key: prefix + now.toISOString().slice(0, 10), prefix };
}

export function actionsDbCache(io: ActionIo): ScannerDbCache {
  const { key, prefix } = dbCacheKey();
  return {
    async restore(dir) {
      try {
        const hit = await cache.restoreCache([dir], key, [prefix]);
        io.info(
          hit ? `scanner databases restored from cache ${hit}` : 'no cached scanner databases',
        );
      } catch (err) {
        io.warn(`could not restore the scanner databases: ${errorMessage(err)}`);
      }
    },
    async save(dir) {
      try {
        await cache.saveCache([dir], key);
        io.info(`scanner databases saved to cache ${key}`);
      } catch (err) {
        // Another job of the same day already saved this key: that is not a problem.
        io.info(`scanner databases not saved: ${errorMessage(err)}`);
      }
    },
  };
}
