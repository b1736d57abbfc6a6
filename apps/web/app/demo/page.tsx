import { OpenDemo } from '../../components/DemoButton';
import { sfuLocationFromEnv } from '../../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default function DemoPage() {
  return <OpenDemo sfu={sfuLocationFromEnv()} />;
}
