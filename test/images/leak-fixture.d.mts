export interface PlantedSecrets {
  github: string;
  github2: string;
  npm: string;
  awsId: string;
  awsSecret: string;
  slack: string;
  gitlab: string;
  stripe: string;
  google: string;
  password: string;
  registryPassword: string;
  pem: string;
  pemBody: string[];
}

export function plantSecrets(): PlantedSecrets;
export function secretValues(s: PlantedSecrets): string[];
export function buildLeakImage(
  s: PlantedSecrets,
  dir: string,
  tag: string,
): Promise<{ dir: string; ref: string; manifestDigest: string }>;
export function leakDockerfile(s: PlantedSecrets): string;
