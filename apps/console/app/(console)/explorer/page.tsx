import { ExplorerHome } from '../../../components/explorer/explorer-home';

// The developer landing: my namespaces across every cluster I may reach (explorerHomeHref in lib/explorer/urls.ts).
export default function ExplorerRoute() {
  return <ExplorerHome />;
}
