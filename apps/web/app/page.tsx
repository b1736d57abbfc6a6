import { Lobby } from '../components/Lobby';
import { sfuLocationFromEnv } from '../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default function LobbyPage() {
  return <Lobby sfu={sfuLocationFromEnv()} />;
}
