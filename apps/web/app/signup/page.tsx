import { Suspense } from 'react';
import { AuthForm } from '../../components/AuthForm';
import { sfuLocationFromEnv } from '../../lib/sfu-url';

export const dynamic = 'force-dynamic';

export default function SignUpPage() {
  return (
    <Suspense>
      <AuthForm mode="signup" sfu={sfuLocationFromEnv()} />
    </Suspense>
  );
}
