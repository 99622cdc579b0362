import type { Seller } from '@ai-credits/shared/contracts/billing';
import { DEMO_SELLER } from '@ai-credits/shared/tax';
import type { Env } from '../../env';


/** The seller on every tax invoice, from configuration (validated at start, env.ts); the demo seller outside production. */
export function sellerFrom(env: Pick<Env, 'SELLER_LEGAL_NAME' | 'SELLER_ADDRESS' | 'SELLER_GSTIN' | 'SELLER_SAC'>): Seller {
  const gstin = env.SELLER_GSTIN ?? DEMO_SELLER.gstin;
  return {
    legalName: env.SELLER_LEGAL_NAME ?? DEMO_SELLER.legalName,
    address: env.SELLER_ADDRESS ?? DEMO_SELLER.address,
    gstin,
    state: gstin.slice(0, 2),
    sac: env.SELLER_SAC ?? DEMO_SELLER.sac,
  };
}
