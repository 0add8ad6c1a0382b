// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README, "Reflect Polyfill
// Required"). ESM evaluates imports in order, so every module imports the library from here.
import 'reflect-metadata';

export * from '@peculiar/x509';
