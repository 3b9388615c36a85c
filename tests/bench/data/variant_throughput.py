from locust import *

class RateUser(HttpUser):
    wait_time = constant_throughput(0.5)

    @task(2)
    def first(self):
        self.client.get(url="/orders", name="list")

    @task
    def health(self):
        pass
        self.client.get("/healthz")
