import picomatch from 'picomatch';

// Keys that a package generates when it is installed (`openssh-server`'s postinst runs
// `ssh-keygen -A`, `ssl-cert`'s runs `make-ssl-cert generate-default-snakeoil`). They are real
// private keys, shared by every container of the image, so they stay findings; but they get their
// own detector ids so a policy can allow exactly them, by name, with a reason.

const INSTALL_TIME_KEYS: ReadonlyArray<{ glob: string; detector: string; title: string }> = [
  {
    glob: 'etc/ssh/ssh_host_*_key',
    detector: 'ssh-host-key',
    title: 'OpenSSH host private key generated at install time',
  },
  {
    glob: 'etc/ssl/private/ssl-cert-snakeoil.key',
    detector: 'snakeoil-key',
    title: 'ssl-cert snakeoil private key generated at install time',
  },
];

const PRIVATE_KEY_DETECTORS = new Set(['private-key']);

const matchers = INSTALL_TIME_KEYS.map((k) => ({ ...k, test: picomatch(k.glob, { dot: true }) }));

/** The install-time key detector for a private-key hit at `path`, if it is one. */
export function installTimeKey(
  detector: string,
  path: string,
): { detector: string; title: string } | undefined {
  if (!PRIVATE_KEY_DETECTORS.has(detector)) return undefined;
  const rel = path.replace(/^\/+/, '');
  const m = matchers.find((k) => k.test(rel));
  return m === undefined ? undefined : { detector: m.detector, title: m.title };
}
