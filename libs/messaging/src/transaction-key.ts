/**
 * What state kept beside a transaction is keyed by: its QueryRunner (one per transaction, while its EntityManager may
 * be wrapped), else the object itself.
 */
export function transactionKey(tx: object): object {
  return (tx as { queryRunner?: object }).queryRunner ?? tx;
}
