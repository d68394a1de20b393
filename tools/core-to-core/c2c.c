// core-to-core cache line ping-pong latency between CPU 0 and CPU 1, and a producer/consumer
// "handoff" bandwidth test: thread A writes a 256 KiB buffer, thread B reads it, alternate.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <time.h>
#include <string.h>
static _Alignas(64) atomic_int flag;
static int iters = 200000;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
#define BUF (256*1024/4)
static float *buf; static _Alignas(64) atomic_int turn; static int rounds=2000; static volatile float sink;
static void* pong(void*a){pin(1);for(int i=0;i<iters;i++){while(atomic_load_explicit(&flag,memory_order_acquire)!=2*i+1);atomic_store_explicit(&flag,2*i+2,memory_order_release);}return 0;}
static void* consumer(void*a){pin(1);float s=0;for(int r=0;r<rounds;r++){while(atomic_load_explicit(&turn,memory_order_acquire)!=2*r+1);for(int i=0;i<BUF;i+=16)s+=buf[i];atomic_store_explicit(&turn,2*r+2,memory_order_release);}sink=s;return 0;}
int main(int argc,char**argv){
  pthread_t t; pin(0);
  pthread_create(&t,0,pong,0);
  double t0=now();
  for(int i=0;i<iters;i++){atomic_store_explicit(&flag,2*i+1,memory_order_release);while(atomic_load_explicit(&flag,memory_order_acquire)!=2*i+2);}
  double t1=now(); pthread_join(t,0);
  double rt=(t1-t0)/iters*1e9;
  buf=aligned_alloc(64,BUF*4); memset(buf,0,BUF*4);
  pthread_create(&t,0,consumer,0);
  double t2=now();
  for(int r=0;r<rounds;r++){for(int i=0;i<BUF;i+=16)buf[i]=r+i; atomic_store_explicit(&turn,2*r+1,memory_order_release);while(atomic_load_explicit(&turn,memory_order_acquire)!=2*r+2);}
  double t3=now(); pthread_join(t,0);
  // per cache line transferred (write by A then read by B): 
  double perline=(t3-t2)/rounds/(BUF/16)*1e9;
  printf("roundtrip %.0f ns  handoff %.1f ns/line\n",rt,perline);
}
