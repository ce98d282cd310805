// A project by its full path (groups/…/project), as the user types it in <project path>/<agent name>.
import type { ApiClient } from '../api/client';
import { CliError } from '../errors';

const MAX_LISTED = 10;

export async function findProject(api: ApiClient, fullPath: string) {
  const projects = await api.call('projects.list');
  const found = projects.find((p) => p.fullPath.toLowerCase() === fullPath.toLowerCase());
  if (found) return found;
  const some = projects.slice(0, MAX_LISTED).map((p) => p.fullPath);
  throw new CliError(
    `no project ${fullPath} among the ${projects.length} you may see${
      some.length ? ` (${some.join(', ')}${projects.length > MAX_LISTED ? ', …' : ''})` : ''
    }: check the path, or ask an owner to make you Maintainer of it`,
  );
}
