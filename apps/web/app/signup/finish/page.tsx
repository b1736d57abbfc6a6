import { Suspense } from 'react';
import { FinishSignUpForm } from '../../../components/FinishSignUpForm';
import { sfuLocationFromEnv } from '../../../lib/sfu-url';

export const dynamic = 'force-dynamic';

/** The page a sign-up mail links to: /signup/finish?token=… */
export default function FinishSignUpPage() {
  return (
    <Suspense>
      <FinishSignUpForm sfu={sfuLocationFromEnv()} />
    </Suspense>
  );
}
