from locust import HttpUser, task, between


class MyUser(HttpUser):
    wait_time = between(1, 3)

    @task
    def read(self):
        self.client.get(f"/orders/{self.order_id}")
