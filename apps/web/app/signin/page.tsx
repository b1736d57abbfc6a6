import { Suspense } from 'react';
import { AuthForm } from '../../components/AuthForm';
import { sfuLocationFromEnv } from '../../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default function SignInPage() {
  // Suspense: the form reads ?next= with useSearchParams.
  return (
    <Suspense>
      <AuthForm mode="signin" sfu={sfuLocationFromEnv()} />
    </Suspense>
  );
}
