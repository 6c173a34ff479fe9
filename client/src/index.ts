/** The client ships in the functions package (`keyward-functions/client`); this path stays for the repository's own imports. */
export * from '../../functions/src/client';
