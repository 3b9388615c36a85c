import locust
from locust import HttpUser, task, constant_pacing

class PacedUser(HttpUser):
    wait_time = constant_pacing(2)
    @task
    def orders(self): self.client.get("/orders?limit=10")
